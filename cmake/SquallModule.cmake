# One static library per src/ folder, built from every .cpp in it, so adding a file needs no
# CMake edit. squall_module(NAME DEPS...) makes target squall_NAME.
function(squall_module name)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT srcs)  # a module being started: headers only for now
    add_library(squall_${name} INTERFACE)
    target_include_directories(squall_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(squall_${name} INTERFACE ${ARGN})
    return()
  endif()
  add_library(squall_${name} STATIC ${srcs})
  target_include_directories(squall_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(squall_${name} PRIVATE ${SQUALL_WARNINGS})
  target_link_libraries(squall_${name} PUBLIC ${ARGN})
endfunction()

# One gtest executable per tests/ folder (mirrors src/), tests discovered for ctest.
function(squall_test_module name)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  if(NOT srcs)
    return()
  endif()
  add_executable(${name}_tests ${srcs})
  target_compile_options(${name}_tests PRIVATE ${SQUALL_WARNINGS})
  # Shared test helpers are included as "tests/<module>/...".
  target_include_directories(${name}_tests PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name}_tests PRIVATE ${ARGN} GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${name}_tests TEST_PREFIX "${name}." DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()
