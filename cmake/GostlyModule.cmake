# One helper per module: a static library from the module's sources, its public
# include root, its dependencies, and a unit test binary from tests/unit/<module>/.
function(gostly_set_warnings)
  add_compile_options(-Wall -Wextra -Wpedantic -Wshadow)
  if(GOSTLY_WERROR)
    add_compile_options(-Werror)
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 false positives at -O2/-O3: -Wrestrict inside std::string::replace (GCC PR
    # 105329) and -Wmismatched-new-delete on Asio's coroutine frame allocator (PR 109224).
    # clang builds keep both checks.
    add_compile_options(-Wno-restrict -Wno-mismatched-new-delete)
  endif()
endfunction()

# gostly_module(NAME <name> SOURCES ... DEPS ... [TEST_DEPS ...] [ONE_CTEST])
# ONE_CTEST registers the test binary as a single ctest entry instead of one per test, for
# suites whose fixtures are expensive to set up per process (a PostgreSQL cluster).
function(gostly_module)
  cmake_parse_arguments(M "ONE_CTEST" "NAME" "SOURCES;DEPS;TEST_DEPS" ${ARGN})
  add_library(gostly_${M_NAME} STATIC ${M_SOURCES})
  target_include_directories(gostly_${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(gostly_${M_NAME} PUBLIC ${M_DEPS})
  file(GLOB test_sources CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/unit/${M_NAME}/*.cpp)
  if(test_sources)
    add_executable(gostly_${M_NAME}_test ${test_sources})
    target_link_libraries(gostly_${M_NAME}_test PRIVATE gostly_${M_NAME} ${M_TEST_DEPS}
                          GTest::gtest GTest::gtest_main GTest::gmock)
    target_compile_definitions(gostly_${M_NAME}_test PRIVATE
        GOSTLY_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    if(M_ONE_CTEST)
      add_test(NAME gostly_${M_NAME}_test COMMAND gostly_${M_NAME}_test)
      set_tests_properties(gostly_${M_NAME}_test PROPERTIES LABELS unit TIMEOUT 900)
    else()
      include(GoogleTest)
      gtest_discover_tests(gostly_${M_NAME}_test DISCOVERY_TIMEOUT 60
                           PROPERTIES LABELS unit)
    endif()
  endif()
endfunction()
