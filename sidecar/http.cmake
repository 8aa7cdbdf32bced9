# HTTP values, the JSON error shape and the Router: no sockets, usable by the REST layer and its
# unit tests without Beast or cpprestsdk.
herd_library(herd_http_types
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http.cc ${CMAKE_CURRENT_LIST_DIR}/http_router.cc
  DEPS herd_common nlohmann_json::nlohmann_json)
