-- PayBridge store, schema version 6: indexes for the console's sort by amount.
-- The tables page in keyset pages; sorting a million rows by amount without an index means a
-- full sort for every page. With (amount, id) a page is an index range walk.

CREATE INDEX gateway_transactions_amount ON gateway_transactions (amount, transaction_id);
CREATE INDEX orders_grand_total ON orders (grand_total, entity_id);
