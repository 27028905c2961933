"""Pure domain rules of 丽人社〔2020〕83号: conversion, requirements, eligibility. No Django here."""
