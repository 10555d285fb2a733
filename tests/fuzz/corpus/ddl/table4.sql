CREATE TABLE `audit_log` (
  `at` timestamp(3) NOT NULL DEFAULT current_timestamp(3),
  `actor` varchar(64) DEFAULT NULL,
  `action` varchar(64) DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci
