-- Custom migration: the merges recorded before merges had an effective date took effect on the day
-- they were recorded (Vietnam time), as the reports then counted them.
UPDATE organizations SET merge_effective_on = ((merged_at AT TIME ZONE 'UTC') + interval '7 hours')::date
  WHERE merged_into_id IS NOT NULL AND merge_effective_on IS NULL;
