DROP TABLE IF EXISTS refund_list_view;
