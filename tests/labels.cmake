# ctest labels, one per layer, so `ctest -L unit` (or scenario, cli, fuzz,
# sanitizer) runs one layer alone. dsim_label_tests() labels every test of the
# folder that calls it (CMake before 3.28 sets test properties only there):
#   unit      tests/test_*.c, cmocka tests of one module
#   scenario  golden scenario tests: shipped or test scenarios run, their figures
#             or expected errors checked (DSIM_SCENARIO_TESTS below)
#   cli       every other tests/cli_*.sh: whole-command behaviour; example_server
#   fuzz      the fuzz corpora replayed (tests/fuzz)
#   build     the build's own rules (tests/rooms: a cross-room include fails)
#   sanitizer added to every test of a build configured with -DDSIM_SANITIZE=ON
#             (or with -DDSIM_TEST_LABELS=sanitizer on another build)
set(DSIM_SCENARIO_TESTS cli_scenarios cli_incident cli_shootout cli_exact_latency
    cli_unmeasured cli_schema_mutation)
set(DSIM_TEST_LABELS "" CACHE STRING "labels added to every ctest test (';'-separated)")

function(dsim_label_tests)
  get_directory_property(tests TESTS)
  set(extra ${DSIM_TEST_LABELS})
  if(DSIM_SANITIZE)
    list(APPEND extra sanitizer)
  endif()
  foreach(t ${tests})
    if(t MATCHES "^test_")
      set(layer unit)
    elseif(t MATCHES "^fuzz_")
      set(layer fuzz)
    elseif(t STREQUAL "rooms")
      set(layer build)
    elseif(t IN_LIST DSIM_SCENARIO_TESTS)
      set(layer scenario)
    elseif(t MATCHES "^(cli|example)_")
      set(layer cli)
    else()
      message(FATAL_ERROR "tests/labels.cmake: no layer for test '${t}'")
    endif()
    set_tests_properties(${t} PROPERTIES LABELS "${layer};${extra}")
  endforeach()
endfunction()
