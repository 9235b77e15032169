#ifndef MAXIMIZE_CCURL_SHIM_H
#define MAXIMIZE_CCURL_SHIM_H
#include <curl/curl.h>
#endif
