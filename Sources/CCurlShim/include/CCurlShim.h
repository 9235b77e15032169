#ifndef MAXIMIZE_CCURL_SHIM_PUBLIC_H
#define MAXIMIZE_CCURL_SHIM_PUBLIC_H

#include <curl/curl.h>
#include <stddef.h>

/// Typed wrappers for libcurl's variadic entry points, which Swift cannot call directly.

typedef size_t (*mx_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

CURLcode mx_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode mx_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode mx_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode mx_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, mx_curl_data_callback cb);

/// Connection bookkeeping: the pre-request point (a connection reached), and socket open/close.
typedef int (*mx_curl_prereq_callback)(void *clientp, char *primary_ip, char *local_ip, int primary_port,
                                       int local_port);
typedef curl_socket_t (*mx_curl_opensocket_callback)(void *clientp, curlsocktype purpose,
                                                     struct curl_sockaddr *address);
typedef int (*mx_curl_closesocket_callback)(void *clientp, curl_socket_t item);
CURLcode mx_curl_easy_setopt_prereq_callback(CURL *handle, mx_curl_prereq_callback cb);
CURLcode mx_curl_easy_setopt_opensocket_callback(CURL *handle, mx_curl_opensocket_callback cb);
CURLcode mx_curl_easy_setopt_closesocket_callback(CURL *handle, mx_curl_closesocket_callback cb);

CURLcode mx_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);

CURLMcode mx_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLMcode mx_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value);

/// The event-driven multi interface: libcurl says which sockets to watch and when to time out.
typedef int (*mx_curl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *userp, void *socketp);
typedef int (*mx_curl_timer_callback)(CURLM *multi, long timeout_ms, void *userp);
CURLMcode mx_curl_multi_setopt_socket_callback(CURLM *multi, mx_curl_socket_callback cb);
CURLMcode mx_curl_multi_setopt_timer_callback(CURLM *multi, mx_curl_timer_callback cb);
int mx_curl_socket_timeout(void);
int mx_curl_poll_remove(void);
int mx_curl_poll_in(void);
int mx_curl_poll_out(void);
int mx_curl_cselect_in(void);
int mx_curl_cselect_out(void);
int mx_curl_cselect_err(void);

/// epoll without its packed struct (which Swift does not import faithfully on x86_64).
int mx_epoll_create(void);
/// Adds, changes (`op` 1, 3) or removes (2) `fd`; `readable`/`writable` choose the events.
int mx_epoll_control(int epfd, int op, int fd, int readable, int writable);
/// Waits up to `timeout_ms`; fills `fds` and `flags` (1 readable, 2 writable, 4 error).
int mx_epoll_wait(int epfd, int *fds, int *flags, int max, int timeout_ms);
/// An eventfd to wake the loop; `mx_eventfd_signal` and `mx_eventfd_drain` use it.
int mx_eventfd_create(void);
void mx_eventfd_signal(int fd);
void mx_eventfd_drain(int fd);

/// Macros that Swift does not import.
size_t mx_curl_writefunc_pause(void);
int mx_curl_pause_cont(void);
long mx_curl_pipe_multiplex(void);
long mx_curl_http_version_2tls(void);
long mx_curl_http_version_1_1(void);
long mx_curl_http_version_2_prior_knowledge(void);

#endif
