"""cehours: the Lishui continuing-education credit-hour platform (继续教育学时制管理平台)."""
