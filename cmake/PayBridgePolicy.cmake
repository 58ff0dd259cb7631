# One INTERFACE target carrying the compile policy; every PayBridge target links it.
add_library(paybridge_policy INTERFACE)
target_compile_features(paybridge_policy INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)

target_compile_definitions(paybridge_policy INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    QT_STRICT_ITERATORS
    QT_DISABLE_DEPRECATED_BEFORE=0x060400
    QT_MESSAGELOGCONTEXT)

target_compile_options(paybridge_policy INTERFACE
    -Wall -Wextra -Wpedantic
    -Wnon-virtual-dtor -Woverloaded-virtual -Wimplicit-fallthrough
    -Wformat=2 -Wcast-qual -Wundef)

if(PAYBRIDGE_WERROR)
    target_compile_options(paybridge_policy INTERFACE -Werror)
endif()

if(PAYBRIDGE_SANITIZE)
    target_compile_options(paybridge_policy INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(paybridge_policy INTERFACE -fsanitize=address,undefined)
endif()
