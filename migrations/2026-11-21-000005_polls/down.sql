DROP TABLE poll_ballot_choices;
DROP TABLE poll_ballots;
DROP TABLE poll_participation;
DROP TABLE poll_options;
DROP TABLE poll_questions;
DROP TABLE poll_grids;
DROP TABLE polls;
