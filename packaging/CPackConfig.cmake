# Debian package of the console and the sandbox.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/paybridge.desktop DESTINATION share/applications)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/io.paybridge.PayBridge.metainfo.xml DESTINATION share/metainfo)
install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/paybridge.svg
        DESTINATION share/icons/hicolor/scalable/apps RENAME io.paybridge.PayBridge.svg)
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "paybridge")
set(CPACK_PACKAGE_CONTACT "PayBridge <support@paybridge.invalid>")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "gnome-keyring | keepassxc")
include(CPack)
# The headless service, a template user unit: systemctl --user enable --now paybridge@PROFILE
install(FILES ${CMAKE_CURRENT_LIST_DIR}/paybridge@.service DESTINATION lib/systemd/user)
