/* test_client.c — the app's request builder: a WBR document and the real metric catalog make a
 * request the service's schema accepts, trimmed to what the schema knows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ai/client.h"
#include "ai/schemas.h"
#include "ai_fixture.h"

static void test_client__request_from_a_wbr_document_passes_the_schema(void **state)
{
    (void)state;
    cl_catalog_t *cat = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(cl_catalog_load(&cat, "config/metrics.yaml", &err), 0);
    json_t *fixture = fixture_request();
    /* a WBR document: the fixture's report plus what the app adds and the AI service must not
     * receive */
    json_t *wbr = json_deep_copy(json_object_get(fixture, "report"));
    json_object_del(wbr, "metrics");
    json_object_set_new(wbr, "meta", json_pack("{s:s}", "snapshot", "2026-W47.x"));
    json_object_set_new(wbr, "market_pulse", json_object());
    json_object_set_new(json_array_get(json_object_get(wbr, "findings"), 0), "internal_note",
                        json_string("x"));
    cl_ai_user_t user = {"maria.lopez", "electronics_na", "category_manager"};
    json_t *req = NULL;
    assert_int_equal(cl_ai_client_request(&req, wbr, cat, &user, 5, 1, NULL, &err), 0);
    cl_err_clear(&err);
    int rc = cl_schemas_validate(CL_SCHEMA_SUMMARY_REQUEST, req, &err);
    if (rc != 0) {
        print_error("%s\n", err.msg);
    }
    assert_int_equal(rc, 0);
    json_t *report = json_object_get(req, "report");
    assert_int_equal(json_array_size(json_object_get(report, "findings")), 5);
    assert_null(json_object_get(report, "meta"));
    assert_null(json_object_get(report, "market_pulse"));
    assert_null(
        json_object_get(json_array_get(json_object_get(report, "findings"), 0), "internal_note"));
    assert_null(json_object_get(json_array_get(json_object_get(report, "kpis"), 0), "sparkline"));
    assert_int_equal(json_array_size(json_object_get(report, "metrics")), cl_catalog_count(cat));
    assert_true(json_is_true(json_object_get(req, "async")));
    json_decref(req);
    json_object_del(wbr, "week");
    assert_int_equal(cl_ai_client_request(&req, wbr, cat, &user, 5, 0, NULL, &err), CL_EINVAL);
    json_decref(wbr);
    json_decref(fixture);
    cl_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client__request_from_a_wbr_document_passes_the_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
