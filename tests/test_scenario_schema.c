/*
 * test_scenario_schema.c — schema/scenario.schema.json and the loader accept the same
 * keys: each key table of the loader is a $defs entry of the schema with exactly
 * those properties, each enum table the same names, and every scenario shipped
 * in scenarios/ passes the loader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"
#include "metrics.h"
#include "scenario.h"

static json_t *schema;

static int load_schema(void **state)
{
    (void)state;
    json_error_t je;
    schema = json_load_file(DSIM_SOURCE_DIR "/schema/scenario.schema.json", JSON_REJECT_DUPLICATES, &je);
    if (!schema)
        fprintf(stderr, "schema.json:%d:%d: %s\n", je.line, je.column, je.text);
    return schema ? 0 : -1;
}

static int free_schema(void **state)
{
    (void)state;
    json_decref(schema);
    return 0;
}

static json_t *def(const char *name)
{
    return json_object_get(json_object_get(schema, "$defs"), name);
}

static size_t count(const char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    return n;
}

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static void schema_is_json_schema_2020_12_rooted_at_the_scenario(void **state)
{
    (void)state;
    assert_string_equal(json_string_value(json_object_get(schema, "$schema")),
                        "https://json-schema.org/draft/2020-12/schema");
    assert_string_equal(json_string_value(json_object_get(schema, "$ref")), "#/$defs/scenario");
}

static void every_loader_key_table_matches_a_schema_object(void **state)
{
    (void)state;
    size_t tables = 0;
    for (const sim_key_table *t = sim_scenario_key_tables; t->name; t++, tables++) {
        json_t *props = json_object_get(def(t->name), "properties");
        if (!props)
            fail_msg("schema.json has no $defs.%s.properties", t->name);
        for (size_t i = 0; t->keys[i]; i++)
            if (!json_object_get(props, t->keys[i]))
                fail_msg("loader key %s.%s is missing from schema.json", t->name, t->keys[i]);
        const char *key;
        json_t *v;
        json_object_foreach(props, key, v)
        {
            if (!in_list(t->keys, key))
                fail_msg("schema.json key %s.%s is unknown to the loader", t->name, key);
        }
        assert_int_equal(json_object_size(props), count(t->keys));
    }
    assert_true(tables >= 20);
}

static void every_schema_object_is_a_loader_key_table(void **state)
{
    (void)state;
    const char *name;
    json_t *d;
    json_object_foreach(json_object_get(schema, "$defs"), name, d)
    {
        if (!json_object_get(d, "properties"))
            continue;
        bool found = false;
        for (const sim_key_table *t = sim_scenario_key_tables; t->name && !found; t++)
            found = strcmp(t->name, name) == 0;
        if (!found)
            fail_msg("schema.json $defs.%s has properties but no loader key table", name);
    }
}

static void enum_names_agree(void **state)
{
    (void)state;
    for (const sim_key_table *t = sim_scenario_enum_tables; t->name; t++) {
        char defname[64];
        snprintf(defname, sizeof defname, "%s", t->name);
        char *dot = strchr(defname, '.');
        assert_non_null(dot);
        *dot = '\0';
        json_t *e = json_object_get(
            json_object_get(json_object_get(def(defname), "properties"), dot + 1), "enum");
        if (!json_is_array(e))
            fail_msg("schema.json has no enum for %s", t->name);
        assert_int_equal(json_array_size(e), count(t->keys));
        for (size_t i = 0; t->keys[i]; i++)
            assert_string_equal(json_string_value(json_array_get(e, i)), t->keys[i]);
    }
}

static void dist_kinds_agree_with_models_and_schema(void **state)
{
    (void)state;
    size_t n = count(sim__dist_names);
    assert_int_equal(n, DIST_MIXTURE + 1);
    json_t *one_of = json_object_get(def("dist_kinds"), "oneOf");
    assert_int_equal(json_array_size(one_of), n);
    for (size_t k = 0; k < n; k++) {
        assert_string_equal(sim__dist_names[k], dist_kind_name((dist_kind)k));
        char name[64];
        snprintf(name, sizeof name, "dist_%s", sim__dist_names[k]);
        json_t *c = json_object_get(
            json_object_get(json_object_get(def(name), "properties"), "dist"), "const");
        assert_string_equal(json_string_value(c), sim__dist_names[k]);
        assert_string_equal(sim__keys_dist[k][0], "dist");
    }
}

static void metric_names_agree(void **state)
{
    (void)state;
    json_t *e = json_object_get(def("metric_name"), "enum");
    assert_int_equal(json_array_size(e), SIM_M_COUNT);
    for (size_t i = 0; i < SIM_M_COUNT; i++)
        assert_string_equal(json_string_value(json_array_get(e, i)),
                            sim_metric_name((sim_metric)i));
}

static void every_shipped_scenario_loads(void **state)
{
    (void)state;
    DIR *d = opendir(DSIM_SOURCE_DIR "/scenarios");
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/scenarios/%s", DSIM_SOURCE_DIR, e->d_name);
        sim_scenario s;
        sim_error err;
        if (sim_scenario_load(path, NULL, &s, &err) != 0) {
            sim_error_print(&err);
            fail_msg("%s does not load", path);
        }
        sim_scenario_free(&s);
        n++;
    }
    closedir(d);
    assert_true(n >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_is_json_schema_2020_12_rooted_at_the_scenario),
        cmocka_unit_test(every_loader_key_table_matches_a_schema_object),
        cmocka_unit_test(every_schema_object_is_a_loader_key_table),
        cmocka_unit_test(enum_names_agree),
        cmocka_unit_test(dist_kinds_agree_with_models_and_schema),
        cmocka_unit_test(metric_names_agree),
        cmocka_unit_test(every_shipped_scenario_loads),
    };
    return cmocka_run_group_tests(tests, load_schema, free_schema);
}
