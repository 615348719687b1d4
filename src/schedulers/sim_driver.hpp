#pragma once
// The scheduler test driver moved to the exported testing headers (conformance suites use it).
#include "synetune/testing/scheduler_driver.hpp"
