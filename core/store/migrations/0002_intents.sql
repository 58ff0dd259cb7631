-- PayBridge store, schema version 2: what the intent journal needs beyond 0001.
-- Each statement ends with a semicolon at the end of a line.

-- Why an intent is dead ("retry.permanent", "retry.exhausted", ...), what the janitor found
-- when it could not decide, why a person discarded it, and since when its effect is unknown.
ALTER TABLE intents ADD COLUMN dead_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE intents ADD COLUMN needs_person_note TEXT NOT NULL DEFAULT '';
ALTER TABLE intents ADD COLUMN discard_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE intents ADD COLUMN in_doubt_since INTEGER;

-- Every transition leaves a row: sends ('send') and the others ('lookup', 'resolve',
-- 'discard', 'replay', 'refuse'). The rows of one intent are its error-class history.
ALTER TABLE intent_attempts ADD COLUMN action TEXT NOT NULL DEFAULT 'send';
ALTER TABLE intent_attempts ADD COLUMN from_state TEXT NOT NULL DEFAULT '';
ALTER TABLE intent_attempts ADD COLUMN to_state TEXT NOT NULL DEFAULT '';
ALTER TABLE intent_attempts ADD COLUMN result_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE intent_attempts ADD COLUMN actor TEXT NOT NULL DEFAULT '';

-- Dead letters and the in-doubt queue are listed by state in id order.
CREATE INDEX intents_state_id ON intents (state, id);
