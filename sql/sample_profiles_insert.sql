-- A few anonymous profiles in the shapes the ID Repository writes
-- (IdentityIssuanceProfile: processName, date, oldProfile, newProfile).
INSERT INTO idrepo.anonymous_profile(id, profile, cr_by, cr_dtimes) VALUES
('0b6a8e2c-1f0c-4a55-9a51-6a0d3c5b7e01',
 '{"processName":"New","date":"2025-03-14","oldProfile":null,"newProfile":{"yearOfBirth":"1988","gender":"Female","location":["Zone-North","10101"],"preferredLanguage":"eng","channel":["PHONE","EMAIL"],"exceptions":[],"verified":[],"biometricInfo":[],"documents":["DOC001"]}}',
 'idrepo', now() AT TIME ZONE 'UTC'),
('0b6a8e2c-1f0c-4a55-9a51-6a0d3c5b7e02',
 '{"processName":"New","date":"2025-03-14","oldProfile":null,"newProfile":{"yearOfBirth":"1960","gender":"Male","location":["Zone-South","20450"],"preferredLanguage":"fra","channel":["PHONE"],"exceptions":[{"type":"Finger","subType":"Left Thumb"}],"verified":[],"biometricInfo":[],"documents":["DOC001","DOC004"]}}',
 'idrepo', now() AT TIME ZONE 'UTC'),
('0b6a8e2c-1f0c-4a55-9a51-6a0d3c5b7e03',
 '{"processName":"Update","date":"2025-06-02","oldProfile":{"yearOfBirth":"1988","gender":"Female","location":["Zone-North","10101"],"preferredLanguage":"eng","channel":["PHONE","EMAIL"],"exceptions":[],"verified":[],"biometricInfo":[],"documents":["DOC001"]},"newProfile":{"yearOfBirth":"1988","gender":"Female","location":["Zone-South","20450"],"preferredLanguage":"eng","channel":["PHONE"],"exceptions":[],"verified":["phone"],"biometricInfo":[],"documents":["DOC001","DOC007"]}}',
 'idrepo', now() AT TIME ZONE 'UTC');

INSERT INTO idrepo.channel_info(hashed_channel, channel_type, no_of_records, cr_by, cr_dtimes)
VALUES ('9F2C4B0A5D0E6C1B7A3F8E2D4C6B1A09F8E7D6C5B4A3928170F6E5D4C3B2A190', 'phone', 1, 'idrepo', now() AT TIME ZONE 'UTC')
ON CONFLICT (hashed_channel) DO UPDATE SET no_of_records = idrepo.channel_info.no_of_records + 1,
  upd_dtimes = now() AT TIME ZONE 'UTC';
