#ifndef MAXIMIZE_CINOTIFYTOOLS_SHIM_H
#define MAXIMIZE_CINOTIFYTOOLS_SHIM_H
// inotifytools' header uses inotify's types without including them.
#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>
#endif
