#pragma once

#include "datamodel.h"

namespace pb::sandbox {

class JsonWriter;

// Writes one order in the shape of GET /V1/orders/:id (magento.md §5.1): scalar fields in
// Magento's alphabetical order, then items, billing_address, payment, status_histories and
// extension_attributes. Optional values that Magento leaves out are left out, not null.
void writeMagentoOrder(JsonWriter &w, const MagentoOrder &order);

} // namespace pb::sandbox
