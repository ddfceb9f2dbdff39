import { Module, type Type } from '@nestjs/common';
import { ToolsModule } from '../tools/tools.module.js';
import { EnvProfileSource } from './env-profile.source.js';
import { FileProfileSource } from './file-profile.source.js';
import { ProfileService } from './profile.service.js';
import { PROFILE_SOURCES, type ProfileSource } from './profile-source.js';
import { ProfileValidator } from './profile-validator.js';
import { ProviderConfigProfileSource } from './provider-config-profile.source.js';
import { UrlProfileSource } from './url-profile.source.js';

/** Highest priority first; the first source with a profile for the call wins. A new source is one class and one line here. */
const SOURCES_IN_PRIORITY_ORDER: Type<ProfileSource>[] = [
  UrlProfileSource,
  FileProfileSource,
  ProviderConfigProfileSource,
  EnvProfileSource,
];

/** ToolsModule: a profile's tool allow-list is checked against the loaded tools. */
@Module({
  imports: [ToolsModule],
  providers: [
    ProfileValidator,
    ...SOURCES_IN_PRIORITY_ORDER,
    {
      provide: PROFILE_SOURCES,
      useFactory: (...sources: ProfileSource[]): ProfileSource[] => sources,
      inject: SOURCES_IN_PRIORITY_ORDER,
    },
    ProfileService,
  ],
  exports: [ProfileService],
})
export class ProfilesModule {}
