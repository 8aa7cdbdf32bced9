# Small helpers shared by every directory. Nothing clever: a library, a test, a benchmark.

add_compile_options(-Wall -Wextra -Wno-unused-parameter)
if(HERD_WERROR)
  add_compile_options(-Werror)
endif()
if(HERD_SANITIZER)
  add_compile_options(-fsanitize=${HERD_SANITIZER} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${HERD_SANITIZER})
endif()

# herd_library(NAME SOURCES ... DEPS ...): a static library whose include root is the repo root.
function(herd_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# herd_test(NAME LABEL SOURCES ... DEPS ...): one gtest binary; every test case becomes a ctest
# test carrying LABEL (unit, sim, integration, e2e).
function(herd_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name}
    PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
  if(ARG_LABEL MATCHES "^(unit|sim)$")
    herd_fast_test_target(${name})
  endif()
endfunction()

# Marks `target` as needed by the unit and sim tests: the `fast-tests` target builds them all,
# so the sanitizer runs (`make asan`, `make tsan`) build only what they run.
function(herd_fast_test_target target)
  set_property(GLOBAL APPEND PROPERTY HERD_FAST_TEST_TARGETS ${target})
endfunction()

# herd_bench(NAME SOURCES ... DEPS ...): a benchmark binary that prints JSON; `make bench` runs it.
function(herd_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
