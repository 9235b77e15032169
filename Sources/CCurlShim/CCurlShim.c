#include "CCurlShim.h"

CURLcode mx_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode mx_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode mx_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode mx_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, mx_curl_data_callback cb) {
    return curl_easy_setopt(handle, option, cb);
}

CURLcode mx_curl_easy_setopt_xferinfo_callback(CURL *handle, mx_curl_xferinfo_callback cb) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, cb);
}

CURLcode mx_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode mx_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode mx_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLMcode mx_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

size_t mx_curl_writefunc_pause(void) { return CURL_WRITEFUNC_PAUSE; }
int mx_curl_pause_cont(void) { return CURLPAUSE_CONT; }
long mx_curl_pipe_multiplex(void) { return CURLPIPE_MULTIPLEX; }
long mx_curl_http_version_2tls(void) { return CURL_HTTP_VERSION_2TLS; }
long mx_curl_http_version_1_1(void) { return CURL_HTTP_VERSION_1_1; }
long mx_curl_http_version_2_prior_knowledge(void) { return CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE; }
