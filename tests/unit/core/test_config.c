/* Configuration: overlays, environment overrides, and clear errors naming the key for every kind of
 * mistake. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "../support/tmpdir.h"

static const char *BASE =
    "env: dev\n"
    "paths:\n"
    "  source: s\n"
    "  warehouse: w\n"
    "  state: st\n"
    "  metrics: m.yaml\n"
    "  pipelines: p\n"
    "  prompts: pr\n"
    "  models: mo.yaml\n"
    "  web: web\n"
    "app: {host: 127.0.0.1, port: 8080, threads: 4}\n"
    "ai: {host: 127.0.0.1, port: 8081, url: 'http://127.0.0.1:8081', timeout_ms: 1000}\n"
    "auth: {mode: dev, users: []}\n"
    "cache: {redis_url: ''}\n"
    "log: {level: info}\n"
    "etl: {pipeline: demo, threads: 2, memory_limit: 1GB, history_weeks: 60}\n";

static char dir[256];

static int setup(void **state)
{
    (void)state;
    tmpdir_make(dir);
    unsetenv("CATLENS_ENV");
    unsetenv("CATLENS_APP_PORT");
    unsetenv("CATLENS_WAREHOUSE");
    unsetenv("CATLENS_PATHS_WAREHOUSE");
    unsetenv("CATLENS_AI_URL");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tmpdir_remove(dir);
    return 0;
}

static int load(cl_config_t **cfg, const char *base_text, const char *env, cl_err_t *err)
{
    tmpdir_write(dir, "catlens.yaml", base_text);
    char path[512];
    snprintf(path, sizeof path, "%s/catlens.yaml", dir);
    return cl_config_load(cfg, path, env, err);
}

static void test_config__loads_base(void **state)
{
    (void)state;
    cl_config_t *cfg = NULL;
    cl_err_t err;
    assert_int_equal(load(&cfg, BASE, NULL, &err), 0);
    assert_string_equal(cfg->env, "dev");
    assert_int_equal(cfg->app_port, 8080);
    assert_string_equal(cfg->warehouse_dir, "w");
    assert_string_equal(cfg->ai_url, "http://127.0.0.1:8081");
    assert_non_null(cl_config_section(cfg, "auth.users"));
    cl_config_free(cfg);
}

static void test_config__overlay_then_environment(void **state)
{
    (void)state;
    tmpdir_write(dir, "overlays/staging.yaml", "app: {port: 9090}\nauth: {mode: oidc}\n");
    cl_config_t *cfg = NULL;
    cl_err_t err;
    assert_int_equal(load(&cfg, BASE, "staging", &err), 0);
    assert_int_equal(cfg->app_port, 9090);
    assert_string_equal(cfg->auth_mode, "oidc");
    assert_string_equal(cfg->app_host, "127.0.0.1"); /* untouched keys survive the merge */
    cl_config_free(cfg);

    setenv("CATLENS_APP_PORT", "7070", 1);
    setenv("CATLENS_WAREHOUSE", "/data/wh", 1);
    setenv("CATLENS_AI_URL", "http://10.0.0.1:8081", 1);
    assert_int_equal(load(&cfg, BASE, "staging", &err), 0);
    assert_int_equal(cfg->app_port, 7070);
    assert_string_equal(cfg->warehouse_dir, "/data/wh");
    assert_string_equal(cfg->ai_url, "http://10.0.0.1:8081");
    cl_config_free(cfg);
}

static void test_config__env_from_variable(void **state)
{
    (void)state;
    tmpdir_write(dir, "overlays/staging.yaml", "app: {port: 9191}\n");
    setenv("CATLENS_ENV", "staging", 1);
    cl_config_t *cfg = NULL;
    cl_err_t err;
    assert_int_equal(load(&cfg, BASE, NULL, &err), 0);
    assert_string_equal(cfg->env, "staging");
    assert_int_equal(cfg->app_port, 9191);
    cl_config_free(cfg);
}

static void expect_error(const char *text, const char *env, const char *needle)
{
    cl_config_t *cfg = NULL;
    cl_err_t err;
    cl_err_clear(&err);
    assert_int_equal(load(&cfg, text, env, &err), CL_ECONFIG);
    assert_null(cfg);
    if (!strstr(err.msg, needle)) {
        fail_msg("error '%s' does not mention '%s'", err.msg, needle);
    }
}

/* BASE with the first FROM replaced by TO. */
static const char *base_with(const char *from, const char *to)
{
    static char buf[4096];
    const char *at = strstr(BASE, from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - BASE), BASE, to, at + strlen(from));
    return buf;
}

static void test_config__errors_name_the_key(void **state)
{
    (void)state;
    expect_error(base_with("env: dev\n", "env: dev\napp2: {port: 1}\n"), NULL,
                 "unknown key 'app2'");
    expect_error(base_with("threads: 4}", "thread: 4}"), NULL, "unknown key 'app.thread'");
    expect_error(base_with("port: 8080", "port: 99999"), NULL, "'app.port' is 99999");
    expect_error(base_with("port: 8080", "port: eight"), NULL, "'app.port' must be an integer");
    expect_error(base_with("mode: dev", "mode: xyz"), NULL,
                 "'auth.mode' has the unknown value 'xyz'");
    expect_error(base_with("app: {", "app: 7\nx: {"), NULL, "'app' must be a mapping");

    expect_error("env: dev\n", NULL, "is missing");
    expect_error("- a\n- b\n", NULL, "top level must be a mapping");
    expect_error("app: [1\n", NULL, "catlens.yaml:");
}

static void test_config__environment_value_is_checked(void **state)
{
    (void)state;
    setenv("CATLENS_APP_PORT", "80a", 1);
    expect_error(BASE, NULL, "'app.port' must be an integer");
    unsetenv("CATLENS_APP_PORT");
}

static void test_config__dev_auth_refused_in_prod(void **state)
{
    (void)state;
    tmpdir_write(dir, "overlays/prod.yaml", "log: {level: warn}\n");
    expect_error(BASE, "prod", "auth.mode 'dev' is refused");
}

static void test_config__overlay_errors_name_the_file(void **state)
{
    (void)state;
    tmpdir_write(dir, "overlays/staging.yaml", "app: {prot: 1}\n");
    expect_error(BASE, "staging", "staging.yaml: unknown key 'app.prot'");
    expect_error(BASE, "../x", "not valid");
}

static void test_config__missing_file(void **state)
{
    (void)state;
    cl_config_t *cfg = NULL;
    cl_err_t err;
    assert_int_equal(cl_config_load(&cfg, "/nonexistent/catlens.yaml", NULL, &err), CL_ENOTFOUND);
    assert_null(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_config__loads_base, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config__overlay_then_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config__env_from_variable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config__errors_name_the_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config__environment_value_is_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config__dev_auth_refused_in_prod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config__overlay_errors_name_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config__missing_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
