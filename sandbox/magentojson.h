#pragma once

#include "datamodel.h"

namespace pb::sandbox {

class JsonWriter;

// Writes one order in the shape of GET /V1/orders/:id (docs/magento.md §2): scalar fields in
// Magento's alphabetical order, then items, billing_address, payment, status_histories and
// extension_attributes. Optional values that Magento leaves out are left out, not null.
// Fields in order.fieldOverrides replace the generated ones (or are added at the end).
void writeMagentoOrder(JsonWriter &w, const MagentoOrder &order);
// Splits the text of a JSON object into its members: decoded key, exact value text. False when
// the text is not one well-formed JSON object.
bool splitJsonObject(QByteArrayView text, QList<std::pair<QByteArray, QByteArray>> *members);
// One status_histories entry (also the items of GET /V1/orders/:id/comments).
void writeMagentoStatusHistory(JsonWriter &w, const MagentoStatusHistory &h);
// GET /V1/invoices/:id (recordings/magento/invoice.response.json).
void writeMagentoInvoice(JsonWriter &w, const MagentoInvoice &invoice);
// GET /V1/creditmemo/:id (OAS sales-data-creditmemo-interface).
void writeMagentoCreditmemo(JsonWriter &w, const MagentoCreditmemo &creditmemo);
// GET /V1/transactions/:id; children are the rows whose parent_id is this one.
void writeMagentoTransaction(JsonWriter &w, const MagentoTransaction &t, const QList<const MagentoTransaction *> &children);
// GET /V1/customers/:id (recordings/magento/customer.response.json).
void writeMagentoCustomer(JsonWriter &w, const MagentoCustomer &customer);

} // namespace pb::sandbox
