CREATE TABLE "search_new_words" (
	"word" text NOT NULL
);
