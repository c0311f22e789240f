import Vapor

/// The OpenAPI 3 document of the JSON API, served at `/api/openapi.json`. Kept true to the code by two checks:
/// a test that every `/api/` route is documented here (and nothing else is), and schemathesis in CI, which calls
/// each operation with generated input and checks every answer against this document.
enum OpenAPI {
    static func register(_ r: any RoutesBuilder) {
        r.on(.GET, ["api", "openapi.json"], access: .anonymous) { _ in
            let res = Response(status: .ok, body: .init(string: document))
            res.headers.contentType = .json
            return res
        }
    }

    /// The operations documented, as "METHOD /path" with Vapor's `:parameter` form, for the coverage test.
    static let operations: Set<String> = ["POST /api/v1/punches", "GET /api/v1/punches", "GET /api/v1/days", "GET /api/v1/me", "GET /api/openapi.json",
        "GET /api/v1/apps", "GET /api/v1/apps/:code", "GET /api/v1/apps/:code/records", "GET /api/v1/apps/:code/aggregate", "POST /api/v1/apps/:code/records",
        "PATCH /api/v1/apps/:code/records", "GET /api/v1/apps/:code/records/:id", "PATCH /api/v1/apps/:code/records/:id",
        "DELETE /api/v1/apps/:code/records/:id", "POST /api/v1/apps/:code/records/:id/actions", "POST /api/v1/apps/:code/records/:id/comments",
        "GET /api/v1/kiosk", "POST /api/v1/kiosk/attempts", "POST /api/v1/kiosk/attempts/:attempt/frames", "POST /api/v1/kiosk/attempts/:attempt/punch"]

    static let document = #"""
    {
      "openapi": "3.0.3",
      "info": {
        "title": "Yakuba API",
        "version": "1",
        "description": "Clock-in/out and attendance for city hall staff, and the app engine (apps, records, statuses). Authenticate with `Authorization: Bearer <token>` (create one with `yakuba token create 職員番号` or on the API tokens page). A token limited to apps (`yakuba token create 職員番号 --apps CODE,CODE [--write]`, or ticked on the tokens page) calls only those apps' `/api/v1/apps/…` operations, read only unless made with write, with its owner's rights there; anything else answers 403. Errors are RFC 9457 problem documents. Send `Accept-Language: en` (or `?lang=en`) for English messages; Japanese is the default."
      },
      "servers": [{"url": "/"}],
      "security": [{"bearer": []}],
      "paths": {
        "/api/v1/punches": {
          "post": {
            "operationId": "createPunch",
            "summary": "Clock in, clock out, start or end a break (打刻). The server's clock is authoritative.",
            "parameters": [
              {"name": "Idempotency-Key", "in": "header", "required": false,
               "description": "Retries with the same key return the first punch instead of making a second one.",
               "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[\\x21-\\x7e]+$"}}
            ],
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PunchRequest"}}}
            },
            "responses": {
              "201": {"description": "Recorded and on disk (or, with a known Idempotency-Key, the punch recorded before).",
                      "headers": {"Location": {"schema": {"type": "string"}}},
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Punch"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "409": {"$ref": "#/components/responses/Problem"},
              "413": {"$ref": "#/components/responses/Problem"},
              "415": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"},
              "503": {"$ref": "#/components/responses/Problem"}
            }
          },
          "get": {
            "operationId": "listPunches",
            "summary": "Raw punches of one person (oneself by default) between two dates, at most 366 days.",
            "parameters": [
              {"name": "staff_id", "in": "query", "required": false, "schema": {"type": "string", "format": "uuid"},
               "description": "Someone in the caller's scope (approvers: their departments; HR: the municipality)."},
              {"name": "from", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}},
              {"name": "to", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}}
            ],
            "responses": {
              "200": {"description": "The punches, oldest first.",
                      "content": {"application/json": {"schema": {"type": "object", "required": ["punches"], "additionalProperties": false,
                        "properties": {"punches": {"type": "array", "items": {"$ref": "#/components/schemas/Punch"}}}}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/days": {
          "get": {
            "operationId": "listDays",
            "summary": "One person's attendance book for a month: each day computed from punches, corrections and marks.",
            "parameters": [
              {"name": "staff_id", "in": "query", "required": false, "schema": {"type": "string", "format": "uuid"}},
              {"name": "month", "in": "query", "required": false, "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}
            ],
            "responses": {
              "200": {"description": "The month.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Month"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/me": {
          "get": {
            "operationId": "me",
            "summary": "Who the token belongs to.",
            "responses": {
              "200": {"description": "The caller.", "content": {"application/json": {"schema": {"type": "object",
                "required": ["id", "staff_number", "name", "roles"], "additionalProperties": false,
                "properties": {"id": {"type": "string", "format": "uuid"}, "staff_number": {"type": "string"}, "name": {"type": "string"},
                               "roles": {"type": "array", "items": {"type": "string", "enum": ["staff", "approver", "hr", "admin", "dx"]}}}}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/apps": {
          "get": {
            "operationId": "listApps",
            "summary": "The apps the caller may see, with their rights in each.",
            "responses": {
              "200": {"description": "The apps.", "content": {"application/json": {"schema": {"type": "object", "required": ["apps"],
                "properties": {"apps": {"type": "array", "items": {"type": "object", "required": ["code", "name", "revision", "rights"],
                  "properties": {"code": {"type": "string"}, "name": {"type": "string"}, "revision": {"type": "integer"},
                                 "rights": {"type": "array", "items": {"type": "string", "enum": ["view", "add", "edit", "delete", "manage", "import", "export"]}}}}}}}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/apps/{code}": {
          "get": {
            "operationId": "getApp",
            "summary": "An app's definition: fields, layout, process, views and permissions (the same JSON a template file holds).",
            "parameters": [{"$ref": "#/components/parameters/AppCode"}],
            "responses": {
              "200": {"description": "The definition and its revision.", "content": {"application/json": {"schema": {"type": "object", "required": ["revision", "app"],
                "properties": {"revision": {"type": "integer"}, "app": {"type": "object"}}}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/apps/{code}/records": {
          "get": {
            "operationId": "listRecords",
            "summary": "Records the caller may see, filtered and sorted with the query language (e.g. `status in (\"受付\") and cases_per_year >= 100 order by priority desc`), a page at a time. Pass `next` back as `cursor` for the following page; there is no offset and no cap on how far one can page.",
            "parameters": [
              {"$ref": "#/components/parameters/AppCode"},
              {"name": "query", "in": "query", "required": false, "schema": {"type": "string", "maxLength": 2000}},
              {"name": "cursor", "in": "query", "required": false, "schema": {"type": "string", "maxLength": 4000}},
              {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
              {"name": "count", "in": "query", "required": false, "schema": {"type": "string", "enum": ["exact"]},
               "description": "Count every match; without it a filtered count stops at 1,000 (countIsExact false) so lists never scan a whole large app."}
            ],
            "responses": {
              "200": {"description": "A page.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecordPage"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          },
          "post": {
            "operationId": "createRecords",
            "summary": "Create one record (`record`) or up to 100 (`records`) in one transaction: all or none. User fields take a staff number or id, department fields a code, name or id, link fields the linked app's record number or id.",
            "parameters": [{"$ref": "#/components/parameters/AppCode"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
              "properties": {"record": {"type": "object"}, "records": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "object"}},
                             "assignee": {"type": "string", "format": "uuid"}}}}}},
            "responses": {
              "201": {"description": "Created and on disk: the record, or {records: [...]}.", "content": {"application/json": {"schema": {"type": "object"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "413": {"$ref": "#/components/responses/Problem"},
              "415": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          },
          "patch": {
            "operationId": "updateRecords",
            "summary": "Update up to 100 records in one transaction (each a partial update; `revision` refuses a stale write with 409).",
            "parameters": [{"$ref": "#/components/parameters/AppCode"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["records"],
              "properties": {"records": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "object", "required": ["id", "record"],
                "properties": {"id": {"type": "string", "format": "uuid"}, "revision": {"type": "integer"}, "record": {"type": "object"}}}}}}}}},
            "responses": {
              "200": {"description": "The records as saved.", "content": {"application/json": {"schema": {"type": "object", "required": ["records"],
                "properties": {"records": {"type": "array", "items": {"$ref": "#/components/schemas/AppRecord"}}}}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"$ref": "#/components/responses/Problem"},
              "413": {"$ref": "#/components/responses/Problem"},
              "415": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/apps/{code}/aggregate": {
          "get": {
            "operationId": "aggregateRecords",
            "summary": "Count, sum or average the records the caller may see, grouped by one or two fields (a date field as `code:month` or `code:year`): what a chart draws.",
            "parameters": [
              {"$ref": "#/components/parameters/AppCode"},
              {"name": "aggregate", "in": "query", "required": false, "schema": {"type": "string", "enum": ["count", "sum", "average"], "default": "count"}},
              {"name": "field", "in": "query", "required": false, "schema": {"type": "string", "maxLength": 40}},
              {"name": "group", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1, "maxLength": 50}},
              {"name": "group2", "in": "query", "required": false, "schema": {"type": "string", "maxLength": 50}},
              {"name": "query", "in": "query", "required": false, "schema": {"type": "string", "maxLength": 2000}}
            ],
            "responses": {
              "200": {"description": "One row per group.", "content": {"application/json": {"schema": {"type": "object", "required": ["rows"],
                "properties": {"rows": {"type": "array", "items": {"type": "object", "required": ["group", "group2", "value", "count"],
                  "properties": {"group": {"type": "string", "nullable": true}, "group2": {"type": "string", "nullable": true},
                                 "value": {"type": "number"}, "count": {"type": "integer"}}}}}}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/apps/{code}/records/{id}": {
          "get": {
            "operationId": "getRecord",
            "parameters": [{"$ref": "#/components/parameters/AppCode"}, {"$ref": "#/components/parameters/RecordId"}],
            "responses": {
              "200": {"description": "The record.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppRecord"}}}},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          },
          "patch": {
            "operationId": "updateRecord",
            "parameters": [{"$ref": "#/components/parameters/AppCode"}, {"$ref": "#/components/parameters/RecordId"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["record"],
              "properties": {"revision": {"type": "integer"}, "record": {"type": "object"}}}}}},
            "responses": {
              "200": {"description": "The record as saved.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppRecord"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"$ref": "#/components/responses/Problem"},
              "413": {"$ref": "#/components/responses/Problem"},
              "415": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          },
          "delete": {
            "operationId": "deleteRecord",
            "parameters": [{"$ref": "#/components/parameters/AppCode"}, {"$ref": "#/components/parameters/RecordId"}],
            "responses": {
              "204": {"description": "Deleted (its history stays on the ledger)."},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/apps/{code}/records/{id}/actions": {
          "post": {
            "operationId": "takeAction",
            "summary": "Take a status action (process management); `assignee` picks the next assignee where one person is chosen.",
            "parameters": [{"$ref": "#/components/parameters/AppCode"}, {"$ref": "#/components/parameters/RecordId"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["action"],
              "properties": {"action": {"type": "string", "minLength": 1}, "assignee": {"type": "string", "format": "uuid"}, "comment": {"type": "string"}, "revision": {"type": "integer"}}}}}},
            "responses": {
              "200": {"description": "The record after the action.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppRecord"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "409": {"$ref": "#/components/responses/Problem"},
              "413": {"$ref": "#/components/responses/Problem"},
              "415": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/apps/{code}/records/{id}/comments": {
          "post": {
            "operationId": "addComment",
            "summary": "Comment on a record; `@職員番号` mentions notify those people.",
            "parameters": [{"$ref": "#/components/parameters/AppCode"}, {"$ref": "#/components/parameters/RecordId"}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["comment"],
              "properties": {"comment": {"type": "string", "minLength": 1, "maxLength": 4000}}}}}},
            "responses": {
              "201": {"description": "The record (its revision counts the comment).", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppRecord"}}}},
              "400": {"$ref": "#/components/responses/Problem"},
              "401": {"$ref": "#/components/responses/Problem"},
              "403": {"$ref": "#/components/responses/Problem"},
              "404": {"$ref": "#/components/responses/Problem"},
              "413": {"$ref": "#/components/responses/Problem"},
              "415": {"$ref": "#/components/responses/Problem"},
              "422": {"$ref": "#/components/responses/Problem"}
            }
          }
        },
        "/api/v1/kiosk": {
          "get": {
            "operationId": "kioskAbout", "summary": "The calling kiosk: its name, place, and whether face recognition is available.",
            "security": [{"kiosk": []}],
            "responses": {"200": {"description": "The kiosk.", "content": {"application/json": {"schema": {"type": "object"}}}},
                          "401": {"$ref": "#/components/responses/Problem"}}
          }
        },
        "/api/v1/kiosk/attempts": {
          "post": {
            "operationId": "kioskStart", "summary": "Start identifying a person: `face` (then post frames; with `staff_number` only that person is compared), or `pin` / `card`, answered at once.",
            "security": [{"kiosk": []}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["method"], "properties": {
              "method": {"type": "string", "enum": ["face", "pin", "card"]}, "staff_number": {"type": "string"}, "pin": {"type": "string"}, "card": {"type": "string"}}}}}},
            "responses": {"201": {"$ref": "#/components/responses/KioskAttempt"}, "400": {"$ref": "#/components/responses/Problem"},
                          "401": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"},
                          "422": {"$ref": "#/components/responses/Problem"}, "429": {"$ref": "#/components/responses/Problem"}}
          }
        },
        "/api/v1/kiosk/attempts/{attempt}/frames": {
          "post": {
            "operationId": "kioskFrame", "summary": "One camera frame (JPEG or PNG, 160×120 to 1920×1080, at most 2 MB) of a face attempt, numbered by `X-Frame-Seq`; answers what the kiosk shows next.",
            "security": [{"kiosk": []}],
            "parameters": [{"name": "attempt", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
                           {"name": "X-Frame-Seq", "in": "header", "required": true, "schema": {"type": "integer", "minimum": 1}}],
            "requestBody": {"required": true, "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}, "image/png": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": {"200": {"$ref": "#/components/responses/KioskAttempt"}, "401": {"$ref": "#/components/responses/Problem"},
                          "404": {"$ref": "#/components/responses/Problem"}, "409": {"$ref": "#/components/responses/Problem"}, "410": {"$ref": "#/components/responses/Problem"},
                          "413": {"$ref": "#/components/responses/Problem"}, "415": {"$ref": "#/components/responses/Problem"}, "422": {"$ref": "#/components/responses/Problem"}}
          }
        },
        "/api/v1/kiosk/attempts/{attempt}/punch": {
          "post": {
            "operationId": "kioskPunch", "summary": "The recognised person's punch (method, kiosk, place and, for a face, the match are recorded with it). Sent again, it answers the same punch.",
            "security": [{"kiosk": []}],
            "parameters": [{"name": "attempt", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["in", "out", "break_start", "break_end"]}}}}}},
            "responses": {"201": {"description": "Recorded.", "content": {"application/json": {"schema": {"type": "object"}}}},
                          "400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"},
                          "409": {"$ref": "#/components/responses/Problem"}, "410": {"$ref": "#/components/responses/Problem"}, "422": {"$ref": "#/components/responses/Problem"}}
          }
        },
        "/api/openapi.json": {
          "get": {
            "operationId": "openapi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3", "content": {"application/json": {"schema": {"type": "object"}}}}}
          }
        }
      },
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token (acts as its owner), or one limited to some apps' API (read only unless made with write)."},
                            "kiosk": {"type": "apiKey", "in": "header", "name": "X-Kiosk-Token", "description": "A kiosk device's token, shown once when an administrator registers it (Kiosks page)."}},
        "parameters": {
          "AppCode": {"name": "code", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}},
          "RecordId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
        },
        "responses": {
          "Problem": {"description": "An RFC 9457 problem document; `errors` names each bad field.",
                      "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
          "KioskAttempt": {"description": "What the kiosk shows: `state` is look, no_face, several_faces, turn (with `challenge` left or right), recognised (with `person`, `next` kinds, and for a face `verification` and `distance`) or refused (with `code`: liveness_failed, not_recognised, person_changed).",
                           "content": {"application/json": {"schema": {"type": "object", "required": ["attempt", "method", "state", "message"]}}}}
        },
        "schemas": {
          "PunchRequest": {
            "type": "object",
            "required": ["kind"],
            "properties": {
              "kind": {"type": "string", "enum": ["in", "out", "break_start", "break_end"]},
              "place": {"type": "string", "nullable": true, "description": "One of the municipality's places (本庁舎, 出先機関, 在宅, サテライト by default); the first when absent or null."},
              "device_time": {"type": "string", "format": "date-time", "nullable": true, "description": "The device's own clock, kept beside the server's; null or absent when unknown."}
            }
          },
          "Punch": {
            "type": "object",
            "required": ["id", "kind", "at", "place", "source", "date"],
            "additionalProperties": false,
            "properties": {
              "id": {"type": "string", "format": "uuid"},
              "kind": {"type": "string", "enum": ["in", "out", "break_start", "break_end"]},
              "at": {"type": "string", "format": "date-time"},
              "device_time": {"type": "string", "format": "date-time"},
              "place": {"type": "string"},
              "source": {"type": "string", "enum": ["self", "proxy", "correction"]},
              "date": {"type": "string", "format": "date"}
            }
          },
          "Month": {
            "type": "object",
            "required": ["staff_id", "month", "days", "totals"],
            "additionalProperties": false,
            "properties": {
              "staff_id": {"type": "string", "format": "uuid"},
              "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
              "days": {"type": "array", "items": {"$ref": "#/components/schemas/Day"}},
              "totals": {"$ref": "#/components/schemas/Totals"}
            }
          },
          "Day": {
            "type": "object",
            "required": ["date", "kind", "scheduled_minutes", "worked_minutes", "break_minutes", "within_schedule_minutes",
                         "outside_schedule_minutes", "late_minutes", "early_leave_minutes", "places", "flags", "marks"],
            "additionalProperties": false,
            "properties": {
              "date": {"type": "string", "format": "date"},
              "kind": {"type": "string", "enum": ["work_day", "weekly_rest_day", "holiday"]},
              "holiday_name": {"type": "string"},
              "scheduled_minutes": {"type": "integer", "minimum": 0},
              "worked_minutes": {"type": "integer", "minimum": 0},
              "break_minutes": {"type": "integer", "minimum": 0},
              "within_schedule_minutes": {"type": "integer", "minimum": 0},
              "outside_schedule_minutes": {"type": "integer", "minimum": 0},
              "late_minutes": {"type": "integer", "minimum": 0},
              "early_leave_minutes": {"type": "integer", "minimum": 0},
              "first_in": {"type": "string", "format": "date-time"},
              "last_out": {"type": "string", "format": "date-time"},
              "places": {"type": "array", "items": {"type": "string"}},
              "flags": {"type": "array", "items": {"type": "string", "enum": ["missing_clock_out", "missing_clock_in", "open_break", "absent",
                        "late", "early_leave", "outside_schedule", "beyond_schedule", "insufficient_break", "corrected"]}},
              "marks": {"type": "array", "items": {"type": "string", "enum": ["annual_leave", "sick_leave", "special_leave", "business_trip",
                        "training", "duty_exemption", "childcare_leave", "compensatory_day_off", "absence"]}}
            }
          },
          "Totals": {
            "type": "object",
            "required": ["scheduledDays", "daysWorked", "scheduledMinutes", "workedMinutes", "withinScheduleMinutes",
                         "outsideScheduleMinutes", "breakMinutes", "lateCount", "earlyLeaveCount", "absentDays", "markedDays", "flagCounts"],
            "properties": {
              "scheduledDays": {"type": "integer"}, "daysWorked": {"type": "integer"}, "scheduledMinutes": {"type": "integer"},
              "workedMinutes": {"type": "integer"}, "withinScheduleMinutes": {"type": "integer"}, "outsideScheduleMinutes": {"type": "integer"},
              "breakMinutes": {"type": "integer"}, "lateCount": {"type": "integer"}, "earlyLeaveCount": {"type": "integer"},
              "absentDays": {"type": "integer"},
              "markedDays": {"type": "object", "additionalProperties": {"type": "integer"}},
              "flagCounts": {"type": "object", "additionalProperties": {"type": "integer"}}
            }
          },
          "AppRecord": {
            "type": "object",
            "required": ["id", "number", "status", "assignees", "revision", "createdBy", "createdAt", "updatedBy", "updatedAt", "data"],
            "properties": {
              "id": {"type": "string", "format": "uuid"}, "number": {"type": "integer"}, "status": {"type": "string", "nullable": true},
              "assignees": {"type": "array", "items": {"type": "string", "format": "uuid"}}, "revision": {"type": "integer"},
              "createdBy": {"type": "string", "format": "uuid"}, "createdAt": {"type": "string", "format": "date-time"},
              "updatedBy": {"type": "string", "format": "uuid"}, "updatedAt": {"type": "string", "format": "date-time"},
              "data": {"type": "object", "description": "Field code → value: text, number, true/false, a date (YYYY-MM-DD), a time (UTC), an id, a list, or rows."}
            }
          },
          "RecordPage": {
            "type": "object",
            "required": ["records", "next", "count", "countIsExact"],
            "properties": {
              "records": {"type": "array", "items": {"$ref": "#/components/schemas/AppRecord"}},
              "next": {"type": "string", "nullable": true}, "count": {"type": "integer"}, "countIsExact": {"type": "boolean"}
            }
          },
          "Problem": {
            "type": "object",
            "required": ["type", "title", "status"],
            "properties": {
              "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
              "detail": {"type": "string"}, "code": {"type": "string"},
              "errors": {"type": "object", "additionalProperties": {"type": "string"}}
            }
          }
        }
      }
    }
    """#
}
