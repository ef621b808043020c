/* test_jobs.c — async jobs: persisted, claimed by one worker at a time, reclaimed when a worker
 * dies, completed once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ai/jobs.h"
#include "ai_fixture.h"
#include "../support/tmpdir.h"

static void test_jobs__lifecycle_leases_and_restart(void **state)
{
    (void)state;
    char dir[256], path[512];
    tmpdir_make(dir);
    snprintf(path, sizeof path, "%s/ai.db", dir);
    cl_jobs_t *j = NULL;
    assert_int_equal(cl_jobs_open(&j, path, NULL), 0);
    json_t *req = json_parse_or_die("{\"user\":{\"id\":\"maria\"},\"report\":{}}");
    char a[CL_JOB_ID_LEN], b[CL_JOB_ID_LEN];
    assert_int_equal(cl_jobs_submit(a, j, req, 1000, NULL), 0);
    assert_int_equal(cl_jobs_submit(b, j, req, 1001, NULL), 0);
    assert_int_equal(strncmp(a, "j-", 2), 0);
    assert_int_equal(strlen(a), 34);
    /* restart: the queue is on disk */
    cl_jobs_close(j);
    assert_int_equal(cl_jobs_open(&j, path, NULL), 0);
    json_t *view = NULL;
    assert_int_equal(cl_jobs_get(&view, j, a, "maria", NULL), 0);
    assert_string_equal(json_string_value(json_object_get(view, "state")), "queued");
    json_decref(view);
    assert_int_equal(cl_jobs_get(&view, j, a, "someone_else", NULL), CL_ENOTFOUND);
    cl_job_t w1, w2;
    assert_int_equal(cl_jobs_claim(&w1, j, "worker1", 2000, 10000, NULL), 0);
    assert_string_equal(w1.id, a); /* oldest first */
    assert_int_equal(cl_jobs_claim(&w2, j, "worker2", 2000, 10000, NULL), 0);
    assert_string_equal(w2.id, b);
    cl_job_t none;
    assert_int_equal(cl_jobs_claim(&none, j, "worker3", 2000, 10000, NULL), CL_ENOTFOUND);
    /* worker1 renews; worker2 dies: its job is reclaimed after the lease */
    assert_int_equal(cl_jobs_renew(j, "worker1", 11000, 10000, NULL), 0);
    cl_job_t again;
    assert_int_equal(cl_jobs_claim(&again, j, "worker3", 12001, 10000, NULL), 0);
    assert_string_equal(again.id, b);
    assert_int_equal(again.attempts, 2);
    /* the dead worker's late result is dropped; the new owner's is kept */
    json_t *result = json_parse_or_die("{\"headline\":\"x\"}");
    assert_int_equal(cl_jobs_finish(j, b, "worker2", result, NULL, NULL, 13000, NULL),
                     CL_ECONFLICT);
    assert_int_equal(cl_jobs_finish(j, b, "worker3", result, NULL, NULL, 13000, NULL), 0);
    assert_int_equal(cl_jobs_finish(j, b, "worker3", result, NULL, NULL, 13001, NULL),
                     CL_ECONFLICT);
    assert_int_equal(cl_jobs_finish(j, a, "worker1", NULL, "timeout", "too slow", 14000, NULL), 0);
    assert_int_equal(cl_jobs_get(&view, j, b, "maria", NULL), 0);
    assert_string_equal(json_string_value(json_object_get(view, "state")), "done");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(view, "result"), "headline")), "x");
    json_decref(view);
    assert_int_equal(cl_jobs_get(&view, j, a, "maria", NULL), 0);
    assert_string_equal(json_string_value(json_object_get(view, "state")), "failed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(view, "error"), "code")),
                        "timeout");
    json_decref(view);
    int64_t n = -1;
    assert_int_equal(cl_jobs_count(&n, j, "running", NULL), 0);
    assert_int_equal(n, 0);
    /* release puts a claimed job back */
    char c[CL_JOB_ID_LEN];
    assert_int_equal(cl_jobs_submit(c, j, req, 20000, NULL), 0);
    cl_job_t w4;
    assert_int_equal(cl_jobs_claim(&w4, j, "worker4", 20001, 10000, NULL), 0);
    assert_int_equal(cl_jobs_release(j, c, "worker4", NULL), 0);
    assert_int_equal(cl_jobs_count(&n, j, "queued", NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cl_jobs_get(&view, j, "j-00000000000000000000000000000000", "maria", NULL),
                     CL_ENOTFOUND);
    cl_job_dispose(&w1);
    cl_job_dispose(&w2);
    cl_job_dispose(&again);
    cl_job_dispose(&w4);
    json_decref(result);
    json_decref(req);
    cl_jobs_close(j);
    tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs__lifecycle_leases_and_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
