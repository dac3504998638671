-- Custom migration: files.subject_retired_at follows its record. A listing's files carry the time
-- it was withdrawn, a demand's the time it closed, and null again if the record comes back; the
-- retention sweep then reads the files due for removal from files_retired_idx alone, instead of
-- joining every listing and demand file to its record every ten minutes.
CREATE FUNCTION tx_files_follow_listing() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE files SET subject_retired_at = CASE WHEN NEW.status = 'withdrawn' THEN coalesce(NEW.withdrawn_at, now()) END
    WHERE subject_type = 'listing' AND subject_id = NEW.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER listings_files_retired AFTER UPDATE ON listings FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.withdrawn_at IS DISTINCT FROM NEW.withdrawn_at)
  EXECUTE FUNCTION tx_files_follow_listing();
--> statement-breakpoint
CREATE FUNCTION tx_files_follow_demand() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE files SET subject_retired_at = CASE WHEN NEW.status = 'closed' THEN coalesce(NEW.closed_at, now()) END
    WHERE subject_type = 'demand' AND subject_id = NEW.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER demands_files_retired AFTER UPDATE ON demands FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)
  EXECUTE FUNCTION tx_files_follow_demand();
--> statement-breakpoint
-- A file written while its record was being retired (the upload checks, but does not lock, the
-- record) takes the record's state as it is inserted.
CREATE FUNCTION tx_file_subject_retired() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW.subject_type = 'listing' THEN
    NEW.subject_retired_at := (SELECT coalesce(l.withdrawn_at, now()) FROM listings AS l WHERE l.id = NEW.subject_id AND l.status = 'withdrawn');
  ELSIF NEW.subject_type = 'demand' THEN
    NEW.subject_retired_at := (SELECT coalesce(d.closed_at, now()) FROM demands AS d WHERE d.id = NEW.subject_id AND d.status = 'closed');
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER files_subject_retired BEFORE INSERT ON files FOR EACH ROW EXECUTE FUNCTION tx_file_subject_retired();
--> statement-breakpoint
UPDATE files SET subject_retired_at = coalesce(l.withdrawn_at, now()) FROM listings AS l
  WHERE files.subject_type = 'listing' AND l.id = files.subject_id AND l.status = 'withdrawn';
--> statement-breakpoint
UPDATE files SET subject_retired_at = coalesce(d.closed_at, now()) FROM demands AS d
  WHERE files.subject_type = 'demand' AND d.id = files.subject_id AND d.status = 'closed';
