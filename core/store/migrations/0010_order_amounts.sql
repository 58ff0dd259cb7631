-- PayBridge store, schema version 10: Magento amounts with 4 decimals (docs/magento.md §7).
-- Each statement ends with a semicolon at the end of a line.

-- The base-currency totals Magento sends, in minor units of base_currency (rounded half-even
-- like the order-currency columns), and the rate between the two as Magento's exact text.
ALTER TABLE orders ADD COLUMN base_total_paid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN base_total_invoiced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN base_total_refunded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN base_total_due INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN base_to_order_rate TEXT NOT NULL DEFAULT '';

-- The amount columns hold whole minor units. An amount that was finer keeps its exact text
-- here, as a JSON object of Magento field name to decimal text ({"grand_total":"8.2645"});
-- '' when none was. A non-empty value flags the order in the console and the CLI.
ALTER TABLE orders ADD COLUMN exact_amounts TEXT NOT NULL DEFAULT '';
