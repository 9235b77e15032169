#ifndef MAXIMIZE_CCRYPTO_SHIM_H
#define MAXIMIZE_CCRYPTO_SHIM_H
// OpenSSL's libcrypto: already mapped in the process through libcurl (OpenSSL flavour); used
// here only for SHA-256.
#include <openssl/evp.h>
#endif
