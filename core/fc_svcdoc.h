#ifndef FC_SVCDOC_H
#define FC_SVCDOC_H
/*
 * The service document (floor 4): a service and its next step as the JSON
 * object 'ficus status --json' lists, the one writer of it.
 */
#include "fc_buf.h"
#include "fc_gate.h"
#include "fc_service.h"

/*
 * Append service `s` with its next step `st` ("next") to `b` as one JSON
 * object, exactly as fc_json_render() would give it at `depth` levels of
 * two-space indent (the opening brace is not indented: the caller places
 * it).  `brief` leaves out the configuration and the check history
 * ("checks", "gates", "recent_checks").  The buffer stays NUL-terminated.
 */
void fc_svcdoc_service(fc_buf *b, const fc_service *s, const fc_step *st, int depth, int brief);

#endif
