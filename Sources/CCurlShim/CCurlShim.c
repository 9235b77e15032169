#include "CCurlShim.h"

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

CURLcode mx_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode mx_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode mx_curl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode mx_curl_easy_setopt_prereq_callback(CURL *handle, mx_curl_prereq_callback cb) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, cb);
}

CURLcode mx_curl_easy_setopt_opensocket_callback(CURL *handle, mx_curl_opensocket_callback cb) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, cb);
}

CURLcode mx_curl_easy_setopt_closesocket_callback(CURL *handle, mx_curl_closesocket_callback cb) {
    return curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, cb);
}

CURLcode mx_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, mx_curl_data_callback cb) {
    return curl_easy_setopt(handle, option, cb);
}

CURLcode mx_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
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

CURLMcode mx_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
    return curl_multi_setopt(multi, option, value);
}

CURLMcode mx_curl_multi_setopt_socket_callback(CURLM *multi, mx_curl_socket_callback cb) {
    return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, cb);
}

CURLMcode mx_curl_multi_setopt_timer_callback(CURLM *multi, mx_curl_timer_callback cb) {
    return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, cb);
}

int mx_curl_socket_timeout(void) { return CURL_SOCKET_TIMEOUT; }
int mx_curl_poll_remove(void) { return CURL_POLL_REMOVE; }
int mx_curl_poll_in(void) { return CURL_POLL_IN; }
int mx_curl_poll_out(void) { return CURL_POLL_OUT; }
int mx_curl_cselect_in(void) { return CURL_CSELECT_IN; }
int mx_curl_cselect_out(void) { return CURL_CSELECT_OUT; }
int mx_curl_cselect_err(void) { return CURL_CSELECT_ERR; }

int mx_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int mx_epoll_control(int epfd, int op, int fd, int readable, int writable) {
    struct epoll_event event = {0};
    event.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
    event.data.fd = fd;
    int code = op == 1 ? EPOLL_CTL_ADD : op == 2 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    return epoll_ctl(epfd, code, fd, &event);
}

int mx_epoll_wait(int epfd, int *fds, int *flags, int max, int timeout_ms) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int count = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < count; i++) {
        fds[i] = events[i].data.fd;
        flags[i] = ((events[i].events & EPOLLIN) ? 1 : 0) | ((events[i].events & EPOLLOUT) ? 2 : 0)
            | ((events[i].events & (EPOLLERR | EPOLLHUP)) ? 4 : 0);
    }
    return count;
}

int mx_eventfd_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

void mx_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t ignored = write(fd, &one, sizeof one);
    (void)ignored;
}

void mx_eventfd_drain(int fd) {
    uint64_t value;
    while (read(fd, &value, sizeof value) > 0) {}
}
