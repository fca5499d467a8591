DROP TABLE scheduler_test_clocks;
DROP TABLE scheduled_charges;
DROP TABLE billing_schedule_wakeups;
