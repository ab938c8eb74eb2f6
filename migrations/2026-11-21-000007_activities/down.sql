DROP TABLE points_earnings;
DROP TABLE activity_checkins;
DROP TABLE activities;
