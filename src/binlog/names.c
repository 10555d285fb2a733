/* Names of event and column types, and the UUID text form: kept apart
 * from the decoder so that code printing a type does not pull it in. */
#include <stdio.h>

#include "binlog/binlog.h"

const char *ms_bl_type_name(unsigned int type)
{
	switch (type) {
#define MS_BL_TYPE_CASE(name, code)                                            \
	case code:                                                             \
		return #name;
		MS_BL_EVENT_TYPES(MS_BL_TYPE_CASE)
#undef MS_BL_TYPE_CASE
	default:
		return NULL;
	}
}

const char *ms_bl_coltype_name(unsigned int type)
{
	static const char *const low[] = {
	    "DECIMAL",	  "TINY", "SHORT",	"LONG",	     "FLOAT",
	    "DOUBLE",	  "NULL", "TIMESTAMP",	"LONGLONG",  "INT24",
	    "DATE",	  "TIME", "DATETIME",	"YEAR",	     "NEWDATE",
	    "VARCHAR",	  "BIT",  "TIMESTAMP2", "DATETIME2", "TIME2",
	    "TYPED_ARRAY"};
	static const char *const high[] = {
	    "VECTOR", "INVALID",    "BOOL",	 "JSON",	"NEWDECIMAL",
	    "ENUM",   "SET",	    "TINY_BLOB", "MEDIUM_BLOB", "LONG_BLOB",
	    "BLOB",   "VAR_STRING", "STRING",	 "GEOMETRY"};

	if (type < sizeof(low) / sizeof(low[0]))
		return low[type];
	if (type >= MS_BL_T_VECTOR && type <= MS_BL_T_GEOMETRY)
		return high[type - MS_BL_T_VECTOR];
	return NULL;
}

void ms_bl_uuid_str(const uint8_t uuid[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[uuid[i] >> 4];
		*o++ = hex[uuid[i] & 15];
	}
	*o = '\0';
}
