DROP TABLE charge_list_view;
DROP TABLE charge_deadlines;
