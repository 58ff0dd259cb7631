#pragma once

#include "intents/intentjournal.h"
#include "model/customer.h"

#include <QList>
#include <QString>

#include <optional>

namespace pb::customers {

// The intents that write customers (docs/customers.md), built in one place for the sync
// and for people's actions. Payloads hold names, e-mails, addresses and phones, never card data.
namespace plans {

// "customer:pt:<pct vault id>:<8 hex>": the hash covers what is set and the base it was
// decided against, so the same write planned again by later syncs (while it is under way or
// after it failed) is the same intent, while a later change back to an old value is a new one.
QString paytraceUpdateKey(const QString &vaultId, const QJsonObject &set, const QJsonObject &against);
QString magentoUpdateKey(qint64 magentoId, const QJsonObject &set, const QJsonObject &against);
QString deleteKey(const QString &vaultId);
QString expiryKey(const QString &vaultId, int expYear, int expMonth);
QString pct(const QString &vaultId);

// `extraKey` goes into the natural key's hash: a person's decision is its own intent even when
// a sync planned the same values before.
// paytrace.customer.update of `fields` with the Magento customer's values; nullopt when there
// is nothing to set.
std::optional<intents::PlanRequest> paytraceUpdate(const MagentoCustomerRecord &from, const VaultProfileRecord &to,
                                                   const QList<CustomerField> &fields,
                                                   const CustomerFieldValues &base, const QString &reason,
                                                   const QString &actor, const QJsonObject &extraKey = {});
// magento.customer.update of `fields` with the vault profile's values, and the link attribute
// when `attributeCode` is given; nullopt when there is nothing to set.
std::optional<intents::PlanRequest> magentoUpdate(const VaultProfileRecord *from, const MagentoCustomerRecord &to,
                                                  const QList<CustomerField> &fields,
                                                  const CustomerFieldValues &base, const QString &attributeCode,
                                                  const std::optional<QString> &attributeValue, const QString &reason,
                                                  const QString &actor, const QJsonObject &extraKey = {});
intents::PlanRequest vaultDelete(const QString &vaultId, qint64 magentoId, const QString &reason, const QString &actor);

// "Jane Q Doe" → {"Jane Q", "Doe"}: Magento keeps two names, PayTrace one.
std::pair<QString, QString> splitName(const QString &name);
QString fieldList(const QList<CustomerField> &fields); // "billing, phone"

} // namespace plans
} // namespace pb::customers
