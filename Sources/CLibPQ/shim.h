#ifndef MAXIMIZE_CLIBPQ_SHIM_H
#define MAXIMIZE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
