#ifndef MAXIMIZE_CCURL_SHIM_PUBLIC_H
#define MAXIMIZE_CCURL_SHIM_PUBLIC_H

#include <curl/curl.h>
#include <stddef.h>

/// Typed wrappers for libcurl's variadic entry points, which Swift cannot call directly.

typedef size_t (*mx_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);
typedef int (*mx_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                         curl_off_t ultotal, curl_off_t ulnow);

CURLcode mx_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode mx_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode mx_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode mx_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, mx_curl_data_callback cb);
CURLcode mx_curl_easy_setopt_xferinfo_callback(CURL *handle, mx_curl_xferinfo_callback cb);

CURLcode mx_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode mx_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode mx_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLMcode mx_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/// Macros that Swift does not import.
size_t mx_curl_writefunc_pause(void);
int mx_curl_pause_cont(void);
long mx_curl_pipe_multiplex(void);
long mx_curl_http_version_2tls(void);
long mx_curl_http_version_1_1(void);
long mx_curl_http_version_2_prior_knowledge(void);

#endif
