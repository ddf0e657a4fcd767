// Inlining attributes shared by the hot C++ files.
//
// CODEBPE_HOT forces a helper inline: with -flto (pybind11's default) GCC otherwise keeps some
// of them out of line, and the pre-tokenizer's matchers lost up to half their speed (codebpe-v1
// 57 vs 112 MB/s on code); the encoder's cut loop lost ~1/3 of its instructions to calls.
// CODEBPE_NOINLINE keeps a rarely taken path out of its caller's loop. CODEBPE_LAMBDA is
// CODEBPE_HOT for a lambda (after its parameter list).
#pragma once

#if defined(__GNUC__)
#define CODEBPE_HOT inline __attribute__((always_inline))
#define CODEBPE_NOINLINE __attribute__((noinline))
#define CODEBPE_LAMBDA __attribute__((always_inline))
#elif defined(_MSC_VER)
#define CODEBPE_HOT __forceinline
#define CODEBPE_NOINLINE __declspec(noinline)
#define CODEBPE_LAMBDA
#else
#define CODEBPE_HOT inline
#define CODEBPE_NOINLINE
#define CODEBPE_LAMBDA
#endif
