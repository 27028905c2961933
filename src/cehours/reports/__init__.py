"""Reports: the hours certificate (学时证明, 第十八条) and its verification."""
