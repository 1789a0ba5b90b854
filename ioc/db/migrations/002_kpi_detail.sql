-- Indicators with more than one number (VN_AQI: dominant pollutant, category, colour, sub-indices).
ALTER TABLE kpi_window ADD COLUMN detail jsonb;
