CREATE TABLE `order_items` (
  `order_id` bigint(20) NOT NULL,
  `line_no` smallint(6) NOT NULL,
  `sku` varchar(32) NOT NULL,
  `qty` int(11) NOT NULL,
  `price` decimal(10,2) NOT NULL,
  PRIMARY KEY (`order_id`,`line_no`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci
