#include "host/key_store.h"

namespace squall {

bool Authorized(AuthLevel level, KeyMatch match) {
  switch (level) {
    case AuthLevel::kAnonymous: return true;
    case AuthLevel::kFunction: return match != KeyMatch::kNone;
    case AuthLevel::kAdmin: return match == KeyMatch::kMaster;
  }
  return false;
}

}  // namespace squall
