#pragma once

#include "httpserver.h"

namespace pb::sandbox {

class Sandbox;

// An anonymised Magento customer's e-mail (POST /__admin/magento/customers/<id>/anonymise):
// "anonymous-" + the first 12 hex digits of SHA-1("<id>:<former e-mail>") + "@anonymized.invalid";
// first and last name "Anonymous".
inline constexpr const char kAnonymousEmailPattern[] = "^anonymous-[0-9a-f]{12}@anonymized\\.invalid$";

// /__admin/… : control of the sandbox from outside the simulated APIs (JSON in and out).
//   GET  /__admin/health
//   GET  /__admin/clock            POST {"advance_seconds":N} | {"set":"2025-03-01T12:00:00Z"}
//   GET  /__admin/faults           POST rule | [rules] | {"rules":[…]}   DELETE (all)   DELETE /__admin/faults/<id>
//   GET  /__admin/limits           POST {"paytrace":{"rate":R,"burst":B},"magento":{…}}  (rate 0: off)
//   GET  /__admin/ledger           every money movement at PayTrace
//   GET  /__admin/stats            DELETE resets
//   GET  /__admin/credentials
//   POST /__admin/paytrace/settle  close the open batch now
//   GET|POST /__admin/paytrace/config {"duplicate_window_minutes":N,
//                                 "limited_user_denied":["export","batches",…]}
//        → {"duplicate_window_minutes":N,"limited_user":{"username","password","denied":[…]}}
//   POST /__admin/checkout {"payment":"paytrace","action":"sale"|"authorization",
//                           "amount":"12.34","currency":"USD"}  one order and its payment now
//        → {"increment_id","entity_id","transaction_id","approved"}; 400 names a bad field
//   GET|POST|DELETE /__admin/paytrace/transaction-overrides
//        POST {"transaction_id":"123","fields":{"amount":"abc"}}: every export record of that
//        transaction (export by_date_range, by_id, batch transaction_list) carries these field
//        values instead (any JSON, null included; unknown fields are appended); "fields":null
//        removes it. Answers {"transaction_id","known","fields"}. GET lists
//        {"overrides":[{"transaction_id","fields"}]}; DELETE removes all.
//   GET|POST /__admin/magento/config {"bearer_enabled":bool,"input_limits":bool,
//                                     "acl_resources":["Magento_Sales::invoice",…] | null (default grant)}
//   GET  /__admin/magento/documents[?order_id=N]  invoices, credit memos, comments, holds, unholds
//                                  and cancels created through the Magento API, oldest first
//   POST /__admin/magento/order-overrides {"entity_id":N,"fields":{"grand_total":"12.34567",…}|null,
//                                  "touch":true}  top-level order fields replaced by these JSON
//                                  values (exact text) in every Magento body; null removes them;
//                                  touch (default true) sets updated_at to sandbox now.
//                                  → {"entity_id":N,"fields":{…}|null,"updated_at":"…"}; 404 unknown order
//   GET|POST|DELETE /__admin/customer-attribute {"code":"paytrace_customer_id"}: the store's
//                                  user-defined customer attributes → {"attributes":[…]}
//   GET  /__admin/magento/customers/<id>  the customer as GET /V1/customers/:id prints it
//   POST /__admin/magento/customers/<id> {"firstname","lastname","email","telephone",
//        "billing":{"firstname","lastname","street":[…],"city","region","region_code",
//        "region_id","postcode","country_id","telephone"},"attribute":{"code","value"|null}}
//        changes those fields (billing: the default billing address), updated_at = now
//   DELETE /__admin/magento/customers/<id>  deletes the customer
//   POST /__admin/magento/customers/<id>/anonymise  as GDPR modules do (kAnonymousEmailPattern)
//   GET  /__admin/vault            every vault profile (brand, last four, expiry; never a number)
//   POST /__admin/vault/<customer_id> {"email","phone","billing_address":{…},"expiration_month",
//        "expiration_year","last4","brand"} changes those fields of the profile
class AdminApi
{
public:
    explicit AdminApi(Sandbox *sandbox) : m_sandbox(sandbox) {}
    HttpResponse handle(const HttpRequest &request);

private:
    HttpResponse clock(const HttpRequest &request);
    HttpResponse faults(const HttpRequest &request, QByteArrayView rest);
    HttpResponse limits(const HttpRequest &request);
    HttpResponse paytraceOverrides(const HttpRequest &request);
    HttpResponse paytraceConfig(const HttpRequest &request);
    HttpResponse checkout(const HttpRequest &request);
    HttpResponse magentoConfig(const HttpRequest &request);
    HttpResponse magentoDocuments(const HttpRequest &request);
    HttpResponse magentoOrderOverrides(const HttpRequest &request);
    HttpResponse customerAttribute(const HttpRequest &request);
    HttpResponse magentoCustomer(const HttpRequest &request, QByteArrayView rest);
    HttpResponse vault(const HttpRequest &request, QByteArrayView rest);

    Sandbox *m_sandbox;
};

} // namespace pb::sandbox
