-- Sample data for the sandbox demo: a small shop with the kinds of tables a
-- migration meets: integer, composite and varchar keys, utf8mb4 text, JSON,
-- blobs, decimals, temporal columns, an ENUM, a foreign key, a view, a
-- trigger, a procedure, and one log table without a key (check warns).
SET NAMES utf8mb4;
SET SESSION max_recursive_iterations = 1000000;
DROP DATABASE IF EXISTS shop;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE shop;

CREATE TABLE customers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(190) NOT NULL,
  name VARCHAR(100) NOT NULL,
  country CHAR(2) NOT NULL DEFAULT 'DE',
  balance DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY uk_email (email)
) ENGINE=InnoDB;

CREATE TABLE products (
  sku VARCHAR(32) NOT NULL PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  weight_kg DOUBLE,
  attrs JSON,
  thumbnail BLOB,
  title_upper VARCHAR(200) AS (UPPER(title)) VIRTUAL
) ENGINE=InnoDB;

CREATE TABLE orders (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  customer_id INT UNSIGNED NOT NULL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  total DECIMAL(12,2) NOT NULL,
  placed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  note TEXT,
  KEY idx_customer (customer_id),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line_no SMALLINT NOT NULL,
  sku VARCHAR(32) NOT NULL,
  qty INT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
) ENGINE=InnoDB;

CREATE TABLE audit_log (
  at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  actor VARCHAR(64),
  action VARCHAR(64)
) ENGINE=InnoDB;

INSERT INTO customers (email, name, country, balance, created_at)
WITH RECURSIVE seq AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM seq WHERE n < 2000)
SELECT CONCAT('user', n, '@example.com'),
       CONCAT(ELT(1 + n % 5, 'Jürgen', 'Zoë', '李雷', 'Ōta', 'Ana 😀'), ' #', n),
       ELT(1 + n % 4, 'DE', 'FR', 'JP', 'BR'),
       (n * 37 % 100000) / 100,
       TIMESTAMP('2024-01-01 00:00:00') + INTERVAL n MINUTE + INTERVAL n % 1000000 MICROSECOND
FROM seq;

INSERT INTO products (sku, title, price, weight_kg, attrs, thumbnail)
WITH RECURSIVE seq AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM seq WHERE n < 500)
SELECT CONCAT('SKU-', LPAD(n, 5, '0')), CONCAT('Product ', n), 1 + (n * 13 % 9999) / 10,
       n / 7, JSON_OBJECT('color', ELT(1 + n % 3, 'red', 'green', 'blue'), 'size', n % 10),
       UNHEX(SHA2(n, 256))
FROM seq;

INSERT INTO orders (customer_id, status, total, placed_at, note)
WITH RECURSIVE seq AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM seq WHERE n < 10000)
SELECT 1 + n % 2000, ELT(1 + n % 4, 'new', 'paid', 'shipped', 'cancelled'),
       (n * 7 % 50000) / 100, TIMESTAMP('2025-01-01') + INTERVAL n * 3 MINUTE,
       IF(n % 10 = 0, CONCAT('gift wrap, note ', n), NULL)
FROM seq;

INSERT INTO order_items (order_id, line_no, sku, qty, price)
WITH RECURSIVE seq AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM seq WHERE n < 30000)
SELECT 1 + n % 10000, 1 + n DIV 10000, CONCAT('SKU-', LPAD(1 + n % 500, 5, '0')), 1 + n % 3,
       1 + (n % 997) / 10
FROM seq;

CREATE VIEW order_totals AS
  SELECT customer_id, COUNT(*) AS orders, SUM(total) AS spent FROM orders GROUP BY customer_id;

CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW
  INSERT INTO audit_log (actor, action) VALUES (CURRENT_USER(), CONCAT('order ', NEW.id));

DELIMITER //
CREATE PROCEDURE place_order(IN cust INT UNSIGNED, IN amount DECIMAL(12,2))
BEGIN
  INSERT INTO orders (customer_id, total) VALUES (cust, amount);
END //
DELIMITER ;
