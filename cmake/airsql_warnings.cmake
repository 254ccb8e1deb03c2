# SPDX-License-Identifier: Apache-2.0
# Warnings for airsql's own targets only (never global flags). Every target of ours passes
# through here, so it also applies the fuzzing instrumentation to those that want it.
include(airsql_fuzzing)

function(airsql_set_warnings target)
    airsql_instrument_for_fuzzing(${target})
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE
            -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
            -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
            -Wno-unused-parameter)
        if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
            # ccache-friendly precompiled headers.
            target_compile_options(${target} PRIVATE -Xclang -fno-pch-timestamp)
        endif()
    endif()
endfunction()
