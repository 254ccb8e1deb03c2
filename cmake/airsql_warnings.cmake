# SPDX-License-Identifier: Apache-2.0
# Warnings for airsql's own targets only (never global flags).
function(airsql_set_warnings target)
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
