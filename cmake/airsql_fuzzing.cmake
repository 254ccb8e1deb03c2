# SPDX-License-Identifier: Apache-2.0
# libFuzzer coverage plus ASan and UBSan for airsql's own code, target by target (never global
# flags). The fuzz targets can only steer by coverage of the code that carries the counters, and
# the sanitizers only check instrumented code: so the library and the routes get both, while
# third-party and system libraries stay as they are.
if(AIRSQL_FUZZ_INSTRUMENT AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR
        "AIRSQL_FUZZ_INSTRUMENT (implied by AIRSQL_BUILD_FUZZERS) needs clang for "
        "-fsanitize=fuzzer-no-link; this build uses ${CMAKE_CXX_COMPILER_ID}. Configure with "
        "CC=clang CXX=clang++ in a fresh build directory.")
endif()

# The code under test. Executables (server, unit tests, benchmarks) are not instrumented: they
# only pick up the sanitizer runtimes through the link options these targets pass on.
set(AIRSQL_FUZZ_INSTRUMENTED_TARGETS airsql airsql_routes)

function(airsql_instrument_for_fuzzing target)
    if(NOT AIRSQL_FUZZ_INSTRUMENT OR NOT target IN_LIST AIRSQL_FUZZ_INSTRUMENTED_TARGETS)
        return()
    endif()
    target_compile_options(${target} PRIVATE
        -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
    # PUBLIC so that whatever links these static libraries also links the sanitizer runtimes;
    # BUILD_INTERFACE keeps the flags out of the installed package.
    target_link_options(${target} PUBLIC $<BUILD_INTERFACE:-fsanitize=address,undefined>)
endfunction()
