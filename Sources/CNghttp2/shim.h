#ifndef METRICSD_CNGHTTP2_SHIM_H
#define METRICSD_CNGHTTP2_SHIM_H
// The one header Swift sees of libnghttp2 (Debian's libnghttp2-dev, 1.52).
#include <nghttp2/nghttp2.h>
#endif
