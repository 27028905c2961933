"""cehours: the Lishui continuing-education credit-hour platform (继续教育学时制管理平台)."""

import os

# openpyxl parses XLSX XML with defusedxml (no entity expansion, DESIGN §7) only while it does not
# use lxml; pyHanko (the certificates' signatures) installs lxml, and openpyxl would then read
# uploads with it. Decided here, before any module imports openpyxl, and not left to the environment.
os.environ["OPENPYXL_LXML"] = "False"
os.environ["OPENPYXL_DEFUSEDXML"] = "True"
