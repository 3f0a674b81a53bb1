// Each kernel family registers its functions on the addon's exports.
#pragma once

#include <napi.h>

namespace nndl {

void RegisterAffine(Napi::Env env, Napi::Object exports);
void RegisterActivations(Napi::Env env, Napi::Object exports);
void RegisterLosses(Napi::Env env, Napi::Object exports);
void RegisterGemm(Napi::Env env, Napi::Object exports);
void RegisterRandom(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);
void RegisterBatchnorm(Napi::Env env, Napi::Object exports);
void RegisterDropout(Napi::Env env, Napi::Object exports);
void RegisterVector(Napi::Env env, Napi::Object exports);
void RegisterGather(Napi::Env env, Napi::Object exports);

}  // namespace nndl
