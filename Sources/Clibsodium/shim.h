#ifndef CONFIDANT_CLIBSODIUM_SHIM_H
#define CONFIDANT_CLIBSODIUM_SHIM_H
#include <sodium.h>
#endif
