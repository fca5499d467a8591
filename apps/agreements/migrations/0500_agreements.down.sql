DROP TABLE agreement_list_view;
